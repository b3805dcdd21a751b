"""A heartbeat row, written by the scheduled event: proves a database round trip."""

from django.db import models


class Heartbeat(models.Model):
    stage = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.stage} at {self.created_at:%Y-%m-%d %H:%M:%S}"
