# Copy to instance/config.py (or set ASSURE_<NAME> environment variables) to override DefaultConfig.
# PARTNERSHIP_NAME = "Example Safeguarding Children Partnership"
# BASE_URL = "https://assure.example.org"           # used in e-mailed links
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://assure:secret@db.internal/assure"   # or DATABASE_URL
# SESSION_COOKIE_SECURE = True                       # behind TLS
# HSTS_ENABLED = True
# MAIL_SERVER = "smtp.example.org"
# MAIL_PORT = 587
# MAIL_USE_TLS = True
# MAIL_USERNAME = "assure"
# MAIL_PASSWORD = "..."
# MAIL_DEFAULT_SENDER = "assure@example.org"
# RATELIMIT_STORAGE_URI = "redis://localhost:6379/0"  # share the per-minute sign-in limit across workers
