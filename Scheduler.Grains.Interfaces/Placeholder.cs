namespace Scheduler;
