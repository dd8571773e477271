// libtorch has one global generator, and building any module (a model, a weights file's model, an
// official import) draws from it. Two test classes running at once would interleave their draws, so a
// seeded tiny model could come out different from run to run (CI once saw a pose joint land on the
// other side of an assertion's edge that way). One test at a time: the suite's cost is about a minute.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
