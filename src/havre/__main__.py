from havre.cli import app

app()
