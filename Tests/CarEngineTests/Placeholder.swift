import CarEngine
