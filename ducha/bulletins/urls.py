from django.urls import path

from ducha.bulletins import views

app_name = "bulletins"
urlpatterns = [
    path("office/bulletins/", views.index, name="index"),
    path("office/bulletins/<str:month>/bulletin.<str:fmt>", views.draft, name="draft"),
    path("office/bulletins/<str:month>/issue/", views.issue, name="issue"),
    path("office/bulletins/<int:year>/review.<str:fmt>", views.review, name="review"),
    path("office/bulletins/issued/<int:pk>/", views.issued, name="issued"),
]
