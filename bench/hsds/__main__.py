from bench.hsds.run import main

main()
