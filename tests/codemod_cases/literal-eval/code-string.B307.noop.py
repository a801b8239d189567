result = eval("__import__('os').getcwd()")
