-- Runs once when the PostgreSQL volume is created: a separate database for MLflow's tracking store.
CREATE DATABASE mlflow;
