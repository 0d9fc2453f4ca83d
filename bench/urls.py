"""The portal's URLs plus the benchmark's trivial page, used only while bench/run.py measures.

The trivial page goes through the same middleware, sign-in, session and base template as every
page, with no data: the floor every page's time is divided by. It is never mounted in the portal.
"""

from django.shortcuts import render
from django.urls import path

from neglect_portal.urls import urlpatterns as portal_urlpatterns


def trivial(request):
    return render(request, "bench/trivial.html")


urlpatterns = [path("bench/trivial/", trivial, name="bench_trivial"), *portal_urlpatterns]
