"""`manage.py cin_census --year 2026 --la 123 --as USERNAME --output FILE.xml`: the children in need census
return for the year ending 31 March YEAR, written as it is read (docs/census.md).

Only a data officer may make it: `--as` names the person making it, whose roles must grant
`make_census_return`; the export is audited in their name with its count of children, as on the page.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from reporting import census, services


class Command(BaseCommand):
    help = "Write the children in need census return (DfE XML) for a census year."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="the census year, ending 31 March of it")
        parser.add_argument("--la", default=settings.CENSUS_LA_CODE, help="the local authority's code")
        parser.add_argument("--as", dest="username", required=True, help="the data officer making the return")
        parser.add_argument("--output", required=True, help="the file to write")

    def handle(self, *args, year: int, la: str, username: str, output: str, **options):
        if not census.FIRST_YEAR <= year <= 2100:
            raise CommandError(f"--year must be a census year from {census.FIRST_YEAR}.")
        if not (la.isdigit() and len(la) == 3):
            raise CommandError("--la must be the authority's three-digit code.")
        by = User.objects.with_roles_loaded().filter(username=username).first()
        if not services.may_make_return(by):
            raise CommandError(f"{username} may not make the census return (the data officer role is needed).")
        made = services.census_return(year=year, la_code=la, by=by)
        path = Path(output)
        partial = path.with_name(path.name + ".partial")
        with partial.open("w", encoding="utf-8") as out:
            for part in made.parts:
                out.write(part)
        partial.replace(path)  # a file half written is never mistaken for the return
        self.stdout.write(f"Wrote the {year} return for {made.children} children to {path} (export {made.export_id}).")
