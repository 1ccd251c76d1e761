using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Scheduler.Benchmarks -- --filter '*' [--job short] [--inProcess]
BenchmarkSwitcher.FromAssembly(typeof(Scheduler.Benchmarks.SlotEngineBenchmarks).Assembly).Run(args);
