-- An organizer's public page (/u/{id}) lists only the event types the organizer chose to show there.
-- Off for every existing one: a booking link shared with a few people stays theirs until the
-- organizer says otherwise.
alter table event_types add column if not exists listed boolean not null default false;
