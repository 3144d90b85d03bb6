# gunicorn's settings for every way this repository runs it (make run, the Procfile,
# bench, soak, Lighthouse): gunicorn reads ./gunicorn.conf.py, and they pass it as -c.

# Access and error lines with the token of a sign-off link taken out (coach/logs.py).
logger_class = "coach.logs.RedactingGunicornLogger"
