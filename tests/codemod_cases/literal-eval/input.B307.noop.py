def evalInput(inputStr):
    """Run the inputStr as a python expression and return the result."""
    return eval(inputStr)
