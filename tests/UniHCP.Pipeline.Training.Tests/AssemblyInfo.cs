// The trainer seeds libtorch's global generator at every step (dropout, initialisation draw from it): two
// training tests running at once would draw from each other's sequence, and a resumed run could not match an
// uninterrupted one. One at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
