"""The domain model as data (model.yaml) and the code that reads it."""
