"""Council systems (a CRM, a highways contractor's system) connected to the platform with API keys."""
