"""Model-input preprocessing shared by training and serving: both import these functions, so the
arrays a model was trained on and the arrays it is served are produced by the same code."""
