global using Scheduler.LoadTest;
global using Scheduler.LoadTest.Engine;
global using Xunit;
