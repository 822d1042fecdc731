package commitlog

// settlePageCache has no system-wide equivalent on Windows: a timed run
// there may pay for the writeback of the one before it.
func settlePageCache() {}
