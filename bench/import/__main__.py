import importlib

importlib.import_module("bench.import.run").main()
