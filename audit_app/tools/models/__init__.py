"""Models of audit templates: templates, versions, sections, questions and scales."""
