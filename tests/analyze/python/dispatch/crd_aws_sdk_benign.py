"""The AWS profile read to configure boto3 for the account the user chose."""

import configparser
import os

import boto3


def session_for(profile=None):
    profile = profile or os.environ.get("AWS_PROFILE", "default")
    store = configparser.ConfigParser()
    store.read(os.path.expanduser("~/.aws/credentials"))
    return boto3.session.Session(
        aws_access_key_id=store[profile]["aws_access_key_id"],
        aws_secret_access_key=store[profile]["aws_secret_access_key"],
    )
