// The JSON layer lives in its own target so domain code (the engine, memory) can use JSON
// values without depending on JSON-RPC; everything written against CarRPC still sees it.
@_exported import CarJSON
