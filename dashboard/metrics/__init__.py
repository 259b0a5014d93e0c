"""The figures: counts, rates and changes (queries), the tension index, response times (survival estimates and
percentiles), small-number shrinkage, working days, single messages."""
