import Money

/// An amount the kernel refuses (unknown currency, too many decimals) is the caller's input to fix.
extension MoneyError: RejectsInput {}
