#!/bin/sh
# Refuse to start the deployment with a secret that is missing, a placeholder, or too weak to
# be a generated one. docker-compose.yml runs this before PostgreSQL initialises its volume (a
# placeholder password would otherwise stay the database's password) and again in airflow-init.
#
# Usage: check-secrets.sh [NAME...]   (no names: every secret docker-compose.yml requires)
# Prints one line per refused variable, naming it but never its value, and exits 1; exits 0
# silently when all are fine. Generate each secret on its own:
#   python3 -c 'import secrets; print(secrets.token_urlsafe(32))'
#   python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'
set -u

[ $# -gt 0 ] || set -- POSTGRES_PASSWORD LEDGER_DB_PASSWORD AIRFLOW_ADMIN_PASSWORD \
    AIRFLOW_FERNET_KEY AIRFLOW_API_SECRET_KEY AIRFLOW_JWT_SECRET

MIN_LENGTH=16
GENERATE="generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
GENERATE_FERNET="generate one with: python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
status=0

refuse() {
    echo "check-secrets: $1 $2" >&2
    status=1
}

for name in "$@"; do
    case $name in
        '' | [0-9]* | *[!A-Za-z0-9_]*)
            echo "check-secrets: '$name' is not a variable name" >&2
            exit 2
            ;;
    esac
    eval "value=\${$name-}"
    generate=$GENERATE
    case $name in *FERNET_KEY) generate=$GENERATE_FERNET ;; esac
    lower=$(printf '%s' "$value" | tr '[:upper:]' '[:lower:]')
    case $lower in
        '')
            refuse "$name" "is empty: set it in .env (see .env.example); $generate"
            continue
            ;;
        *change-me* | *changeme* | *change_me* | *placeholder* | *replace-me* | *replace_me* | *your-* | *your_*)
            refuse "$name" "is still the placeholder from .env.example: $generate"
            continue
            ;;
    esac
    case $name in
        *FERNET_KEY)
            # A key is 32 bytes in URL-safe base64; "new,old" lists keys during a rotation.
            if ! printf '%s\n' "$value" | grep -Eqx '[A-Za-z0-9_-]{43}=(,[A-Za-z0-9_-]{43}=)*'; then
                refuse "$name" "is not a Fernet key (44 characters of URL-safe base64): $generate"
            fi
            continue
            ;;
    esac
    if [ ${#value} -lt $MIN_LENGTH ]; then
        refuse "$name" "is shorter than $MIN_LENGTH characters: $generate"
        continue
    fi
    case $value in
        *[!A-Za-z0-9._~-]*)
            # Passwords go into connection URLs unquoted, and compose interpolates "$" in .env.
            refuse "$name" "may only hold letters, digits and . _ ~ - (safe in URLs and .env): $generate"
            ;;
    esac
done
exit $status
