using UniHCP.Pipeline.Benchmarks;

return await BenchmarkRunner.RunAsync(args);
