from django.urls import path

from project.health.views import health

urlpatterns = [path("health/", health, name="health")]
