from bench.hours.run import main

main()
