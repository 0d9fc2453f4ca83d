"""Cases (households), the people in them, case teams, access grants and case dashboards."""
