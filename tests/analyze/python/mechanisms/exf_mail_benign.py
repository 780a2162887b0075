import ftplib
import os
import smtplib
from email.message import EmailMessage
from pathlib import Path


def digest(server, to, stats):
    msg = EmailMessage()
    msg["To"] = to
    msg.set_content("\n".join(f"{k}: {v}" for k, v in stats.items()))
    msg.add_attachment(Path("build/report.html").read_bytes(), maintype="text", subtype="html")
    with smtplib.SMTP(server) as smtp:
        smtp.send_message(msg)


def publish(host):
    with ftplib.FTP(host) as ftp:
        ftp.login()
        for dirpath, _dirs, names in os.walk("dist"):
            for fn in names:
                if fn in ("setup.py", "pyproject.toml"):
                    with open(os.path.join(dirpath, fn), "rb") as fh:
                        ftp.storbinary("STOR " + fn, fh)
