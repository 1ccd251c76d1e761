-- Cluster membership for Microsoft.Orleans.Clustering.AdoNet. deployment_id is ClusterOptions.ClusterId.
--
-- One version row per cluster; every membership change compares-and-increments it in the same
-- statement, which is how Orleans detects concurrent membership edits. The heartbeat alone does not
-- touch it. A version past int32 makes "version + 1" fail with 22003 instead of wrapping silently.
create table if not exists orleans_membership_version (
  deployment_id text primary key,
  version integer not null default 0,
  modified_on timestamptz not null default now()
);

create table if not exists orleans_membership (
  deployment_id text not null references orleans_membership_version (deployment_id),
  address text not null,
  port integer not null,
  generation integer not null,
  silo_name text not null,
  host_name text not null,
  -- 0 None, 1 Created, 2 Joining, 3 Active, 4 ShuttingDown, 5 Stopping, 6 Dead
  status integer not null,
  proxy_port integer not null,
  -- Opaque to SQL: "addr:port@gen,yyyy-MM-dd HH:mm:ss.fff GMT|..." written by the runtime.
  suspect_times text,
  start_time timestamptz not null,
  i_am_alive_time timestamptz not null,
  primary key (deployment_id, address, port, generation)
);

-- Insert a member only if the caller's view of the table version is current and the silo is new.
-- The version row is locked first, so concurrent changes serialise on it and the losers see the
-- bumped version (READ COMMITTED re-checks the row after waiting) and return false.
create or replace function orleans_membership_insert(
  p_deployment_id text, p_address text, p_port integer, p_generation integer,
  p_silo_name text, p_host_name text, p_status integer, p_proxy_port integer,
  p_start_time timestamptz, p_i_am_alive_time timestamptz, p_expected_version integer) returns boolean
language plpgsql volatile as $fn$
begin
  perform 1 from orleans_membership_version
    where deployment_id = p_deployment_id and version = p_expected_version
    for update;
  if not found then
    return false;
  end if;

  insert into orleans_membership (deployment_id, address, port, generation, silo_name, host_name,
                                  status, proxy_port, start_time, i_am_alive_time)
  values (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name,
          p_status, p_proxy_port, p_start_time, p_i_am_alive_time)
  on conflict do nothing;
  if not found then
    return false;
  end if;

  update orleans_membership_version
     set version = version + 1, modified_on = now()
   where deployment_id = p_deployment_id;
  return true;
end
$fn$;

-- Update a member's status and suspicions under the same version check. IAmAliveTime never moves
-- backwards: the runtime may write back an entry it read before a newer heartbeat landed.
create or replace function orleans_membership_update(
  p_deployment_id text, p_address text, p_port integer, p_generation integer,
  p_status integer, p_suspect_times text, p_i_am_alive_time timestamptz,
  p_expected_version integer) returns boolean
language plpgsql volatile as $fn$
begin
  perform 1 from orleans_membership_version
    where deployment_id = p_deployment_id and version = p_expected_version
    for update;
  if not found then
    return false;
  end if;

  update orleans_membership
     set status = p_status,
         suspect_times = p_suspect_times,
         i_am_alive_time = greatest(i_am_alive_time, p_i_am_alive_time)
   where deployment_id = p_deployment_id and address = p_address
     and port = p_port and generation = p_generation;
  if not found then
    return false;
  end if;

  update orleans_membership_version
     set version = version + 1, modified_on = now()
   where deployment_id = p_deployment_id;
  return true;
end
$fn$;

-- The optional singular CleanupDefunctSiloEntryKey is deliberately absent: a Dead silo generation
-- never comes back, so deleting Dead rows older than the cutoff (the plural key) is already safe,
-- and the singular key's exact timestamp compare-and-delete would add a way to silently keep rows.
insert into orleansquery (querykey, querytext) values
('InsertMembershipVersionKey', $q$
with created as (
  insert into orleans_membership_version (deployment_id) values (@DeploymentId)
  on conflict (deployment_id) do nothing
  returning 1
)
select exists (select 1 from created) as "Created"
$q$),
('MembershipReadAllKey', $q$
select v.version as "Version",
       m.address as "Address", m.port as "Port", m.generation as "Generation",
       m.silo_name as "SiloName", m.host_name as "HostName", m.status as "Status",
       m.proxy_port as "ProxyPort", m.suspect_times as "SuspectTimes",
       m.start_time as "StartTime", m.i_am_alive_time as "IAmAliveTime"
  from orleans_membership_version v
  left join orleans_membership m on m.deployment_id = v.deployment_id
 where v.deployment_id = @DeploymentId
$q$),
('MembershipReadRowKey', $q$
select v.version as "Version",
       m.address as "Address", m.port as "Port", m.generation as "Generation",
       m.silo_name as "SiloName", m.host_name as "HostName", m.status as "Status",
       m.proxy_port as "ProxyPort", m.suspect_times as "SuspectTimes",
       m.start_time as "StartTime", m.i_am_alive_time as "IAmAliveTime"
  from orleans_membership_version v
  left join orleans_membership m
    on m.deployment_id = v.deployment_id
   and m.address = @Address and m.port = @Port and m.generation = @Generation
 where v.deployment_id = @DeploymentId
$q$),
('InsertMembershipKey', $q$
select orleans_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
                                 @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version)
$q$),
('UpdateMembershipKey', $q$
select orleans_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes,
                                 @IAmAliveTime, @Version)
$q$),
('UpdateIAmAlivetimeKey', $q$
update orleans_membership
   set i_am_alive_time = greatest(i_am_alive_time, @IAmAliveTime)
 where deployment_id = @DeploymentId and address = @Address
   and port = @Port and generation = @Generation
$q$),
('GatewaysQueryKey', $q$
select m.address as "Address", m.proxy_port as "ProxyPort", m.generation as "Generation"
  from orleans_membership m
 where m.deployment_id = @DeploymentId and m.status = @Status and m.proxy_port > 0
$q$),
('DeleteMembershipTableEntriesKey', $q$
delete from orleans_membership where deployment_id = @DeploymentId;
delete from orleans_membership_version where deployment_id = @DeploymentId
$q$),
('CleanupDefunctSiloEntriesKey', $q$
delete from orleans_membership
 where deployment_id = @DeploymentId and status = 6 and i_am_alive_time < @IAmAliveTime
$q$)
on conflict (querykey) do update set querytext = excluded.querytext;
