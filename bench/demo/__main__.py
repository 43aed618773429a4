from bench.demo.run import main

main()
