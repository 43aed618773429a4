from bench.storage.run import main

main()
