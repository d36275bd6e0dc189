"""Streamlit glue shared by the pages: the database, the language, messages."""
