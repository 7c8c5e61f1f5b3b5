from django.urls import path

from roadmap.search import views

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="page"),
    path("search/palette/", views.palette, name="palette"),
]
