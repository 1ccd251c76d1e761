-- Reminders for Microsoft.Orleans.Reminders.AdoNet. service_id is ClusterOptions.ServiceId and
-- grain_id the full GrainId string ("type/key"), so different grain classes never collide.
create table if not exists orleans_reminders (
  service_id text not null,
  grain_id text not null,
  reminder_name text not null,
  start_time timestamptz not null,
  -- Milliseconds. bigint because periods over ~24.8 days exceed int32 (the provider then sends int8).
  period bigint not null,
  -- GrainId.GetUniformHashCode() reinterpreted as signed int32; the provider picks the range query
  -- (Rows1 or Rows2) that makes signed comparison correct.
  grain_hash integer not null,
  version integer not null,
  primary key (service_id, grain_id, reminder_name)
);

create index if not exists orleans_reminders_ring on orleans_reminders (service_id, grain_hash);

-- Every upsert takes a fresh version from here, so deleting and re-adding a reminder never brings
-- an old ETag back to life (ABA), and the value always fits the int32 ETag.
create sequence if not exists orleans_reminders_version as integer minvalue 1 cycle;

insert into orleansquery (querykey, querytext) values
('UpsertReminderRowKey', $q$
insert into orleans_reminders as r (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
values (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, nextval('orleans_reminders_version'))
on conflict (service_id, grain_id, reminder_name) do update
   set start_time = excluded.start_time,
       period = excluded.period,
       grain_hash = excluded.grain_hash,
       version = excluded.version
returning r.version as "Version"
$q$),
('ReadReminderRowsKey', $q$
select r.grain_id as "GrainId", r.reminder_name as "ReminderName", r.start_time as "StartTime",
       r.period as "Period", r.version as "Version"
  from orleans_reminders r
 where r.service_id = @ServiceId and r.grain_id = @GrainId
$q$),
('ReadReminderRowKey', $q$
select r.grain_id as "GrainId", r.reminder_name as "ReminderName", r.start_time as "StartTime",
       r.period as "Period", r.version as "Version"
  from orleans_reminders r
 where r.service_id = @ServiceId and r.grain_id = @GrainId and r.reminder_name = @ReminderName
$q$),
('ReadRangeRows1Key', $q$
select r.grain_id as "GrainId", r.reminder_name as "ReminderName", r.start_time as "StartTime",
       r.period as "Period", r.version as "Version"
  from orleans_reminders r
 where r.service_id = @ServiceId and r.grain_hash > @BeginHash and r.grain_hash <= @EndHash
$q$),
('ReadRangeRows2Key', $q$
select r.grain_id as "GrainId", r.reminder_name as "ReminderName", r.start_time as "StartTime",
       r.period as "Period", r.version as "Version"
  from orleans_reminders r
 where r.service_id = @ServiceId and (r.grain_hash > @BeginHash or r.grain_hash <= @EndHash)
$q$),
('DeleteReminderRowKey', $q$
with deleted as (
  delete from orleans_reminders
   where service_id = @ServiceId and grain_id = @GrainId and reminder_name = @ReminderName
     and version = @Version
  returning 1
)
select exists (select 1 from deleted) as "Deleted"
$q$),
('DeleteReminderRowsKey', $q$
delete from orleans_reminders where service_id = @ServiceId
$q$)
on conflict (querykey) do update set querytext = excluded.querytext;
