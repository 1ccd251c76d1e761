-- One index for notifications instead of two (issue 7: WAL per booking).
--
-- Every booking change writes two notifications; each had an index entry in the primary key on id and
-- another in the listing index (user_id, sent_at desc, id desc). The listing index alone identifies a
-- notification, so it becomes the primary key: GET /api/notifications reads it backwards (newest
-- first, keyset-paged on (sent_at, id)), the unread count reads the user's range, and marking one read
-- finds it by user and id (NotificationStore narrows sent_at from the id's UUIDv7 time when it can).
-- Nothing references notifications by foreign key.
alter table notifications drop constraint if exists notifications_pkey;
drop index if exists notifications_user_sent;
alter table notifications add constraint notifications_pkey primary key (user_id, sent_at, id);
