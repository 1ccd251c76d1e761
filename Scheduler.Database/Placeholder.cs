namespace Scheduler.Database;
