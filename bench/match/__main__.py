from bench.match.run import main

main()
