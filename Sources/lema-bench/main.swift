print("lema-bench")
