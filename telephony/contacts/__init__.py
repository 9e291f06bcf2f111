"""The company directory (global contacts) and users' private contacts, with CSV and vCard import."""
