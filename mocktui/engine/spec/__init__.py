"""Reading specs: files and references (loader), schemas (schema), the operation model (model)."""
