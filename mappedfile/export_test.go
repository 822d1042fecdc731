package mappedfile

// Fill lets the external tests (which use errorfs, and so cannot live in
// this package) append to a queue as the internal ones do.
var Fill = fill
