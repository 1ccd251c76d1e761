-- Grain state for Microsoft.Orleans.Persistence.AdoNet.
--
-- Unlike the upstream scripts, the natural key is unique (NULL extensions compare equal), so two
-- activations racing to write a new grain's first state cannot create duplicate rows: the loser's
-- insert does nothing, returns NULL, and Orleans raises InconsistentStateException.
-- grain_type holds GrainTypeString, which in Orleans 10 is the [PersistentState] *name*, not the
-- grain class: give each grain class its own state name or they share rows (orleans#8746).
create table if not exists orleans_storage (
  service_id text not null,
  grain_type text not null,
  grain_id_n0 bigint not null,
  grain_id_n1 bigint not null,
  grain_id_extension text,
  -- Hashes are computed by the provider; they collide, so they only narrow the search (index aid).
  grain_id_hash integer not null,
  grain_type_hash integer not null,
  -- NULL after ClearStateAsync: the row stays so its version keeps moving forward.
  payload bytea,
  version integer not null,
  modified_on timestamptz not null default now(),
  constraint orleans_storage_natural_key unique nulls not distinct
    (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);

-- Lookups filter on both hashes first: the unique index cannot serve "extension IS NOT DISTINCT FROM",
-- and these two int columns make a small index. The full natural key is always compared as well.
create index if not exists orleans_storage_hashes on orleans_storage (grain_id_hash, grain_type_hash);

-- Every version handed out comes from one cycling int32 sequence instead of "old + 1". The ETag must
-- fit int32, and with DeleteStateOnClear=true a re-created row would otherwise restart at 1 and a
-- stale activation's old ETag could match it again (ABA). A repeat needs 2^31 writes in between.
create sequence if not exists orleans_storage_version as integer minvalue 1 cycle;

-- A new version that is guaranteed to differ from the previous one (Orleans treats a returned value
-- equal to the ETag as a conflict, so the row must never get its old version back).
create or replace function orleans_storage_next_version(previous integer) returns integer
language plpgsql volatile as $fn$
declare
  candidate integer := nextval('orleans_storage_version');
begin
  if candidate is not distinct from previous then
    candidate := nextval('orleans_storage_version');
  end if;
  return candidate;
end
$fn$;

-- Write: expected_version NULL means "this grain has never been stored": insert only if no row exists.
-- Otherwise compare-and-swap on the version. Returns the new version, or NULL on conflict.
create or replace function orleans_storage_write(
  p_service_id text, p_grain_type text, p_grain_id_n0 bigint, p_grain_id_n1 bigint,
  p_grain_id_extension text, p_grain_id_hash integer, p_grain_type_hash integer,
  p_payload bytea, p_expected_version integer) returns integer
language plpgsql volatile as $fn$
declare
  new_version integer;
begin
  if p_expected_version is null then
    insert into orleans_storage (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension,
                                 grain_id_hash, grain_type_hash, payload, version)
    values (p_service_id, p_grain_type, p_grain_id_n0, p_grain_id_n1, p_grain_id_extension,
            p_grain_id_hash, p_grain_type_hash, p_payload, orleans_storage_next_version(null))
    on conflict on constraint orleans_storage_natural_key do nothing
    returning version into new_version;
  else
    update orleans_storage s
       set payload = p_payload,
           version = orleans_storage_next_version(s.version),
           modified_on = now()
     where s.grain_id_hash = p_grain_id_hash and s.grain_type_hash = p_grain_type_hash
       and s.service_id = p_service_id and s.grain_type = p_grain_type
       and s.grain_id_n0 = p_grain_id_n0 and s.grain_id_n1 = p_grain_id_n1
       and s.grain_id_extension is not distinct from p_grain_id_extension
       and s.version = p_expected_version
    returning s.version into new_version;
  end if;
  return new_version;
end
$fn$;

-- Clear keeps the row (payload NULL) and moves the version on; NULL on conflict.
create or replace function orleans_storage_clear(
  p_service_id text, p_grain_type text, p_grain_id_n0 bigint, p_grain_id_n1 bigint,
  p_grain_id_extension text, p_grain_id_hash integer, p_grain_type_hash integer,
  p_expected_version integer) returns integer
language plpgsql volatile as $fn$
declare
  new_version integer;
begin
  update orleans_storage s
     set payload = null,
         version = orleans_storage_next_version(s.version),
         modified_on = now()
   where s.grain_id_hash = p_grain_id_hash and s.grain_type_hash = p_grain_type_hash
     and s.service_id = p_service_id and s.grain_type = p_grain_type
     and s.grain_id_n0 = p_grain_id_n0 and s.grain_id_n1 = p_grain_id_n1
     and s.grain_id_extension is not distinct from p_grain_id_extension
     and s.version = p_expected_version
  returning s.version into new_version;
  return new_version;
end
$fn$;

-- Delete (only used with DeleteStateOnClear=true). Orleans needs a non-NULL value different from the
-- ETag to count it as success; the row is gone, so the value is never stored.
create or replace function orleans_storage_delete(
  p_service_id text, p_grain_type text, p_grain_id_n0 bigint, p_grain_id_n1 bigint,
  p_grain_id_extension text, p_grain_id_hash integer, p_grain_type_hash integer,
  p_expected_version integer) returns integer
language plpgsql volatile as $fn$
declare
  deleted_version integer;
begin
  delete from orleans_storage s
   where s.grain_id_hash = p_grain_id_hash and s.grain_type_hash = p_grain_type_hash
     and s.service_id = p_service_id and s.grain_type = p_grain_type
     and s.grain_id_n0 = p_grain_id_n0 and s.grain_id_n1 = p_grain_id_n1
     and s.grain_id_extension is not distinct from p_grain_id_extension
     and s.version = p_expected_version
  returning s.version into deleted_version;
  if deleted_version is null then
    return null;
  end if;
  return orleans_storage_next_version(deleted_version);
end
$fn$;

-- Each query text is a single statement: the provider runs it in autocommit, with no transaction.
insert into orleansquery (querykey, querytext) values
('ReadFromStorageKey', $q$
select s.payload as "PayloadBinary", s.version as "Version"
  from orleans_storage s
 where s.grain_id_hash = @GrainIdHash and s.grain_type_hash = @GrainTypeHash
   and s.service_id = @ServiceId and s.grain_type = @GrainTypeString
   and s.grain_id_n0 = @GrainIdN0 and s.grain_id_n1 = @GrainIdN1
   and s.grain_id_extension is not distinct from @GrainIdExtensionString
$q$),
('WriteToStorageKey', $q$
select orleans_storage_write(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
                             @GrainIdHash, @GrainTypeHash, @PayloadBinary, @GrainStateVersion) as "NewGrainStateVersion"
$q$),
('ClearStorageKey', $q$
select orleans_storage_clear(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
                             @GrainIdHash, @GrainTypeHash, @GrainStateVersion) as "NewGrainStateVersion"
$q$),
('DeleteStorageKey', $q$
select orleans_storage_delete(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
                              @GrainIdHash, @GrainTypeHash, @GrainStateVersion) as "NewGrainStateVersion"
$q$)
on conflict (querykey) do update set querytext = excluded.querytext;
