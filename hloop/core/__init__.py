"""Pure building blocks: label set, errors, query strategies, metrics. numpy and scikit-learn only."""
