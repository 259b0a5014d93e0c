"""How the work of a request or a process runs: parallel reads (fanout), a per-request memo, the request's time
budget, the garbage collector settled for serving."""
