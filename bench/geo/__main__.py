from bench.geo.run import main

main()
