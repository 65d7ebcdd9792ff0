from beatdesk.roles import Role


def test_dashboard_for_admin(client, login_as):
    login_as(Role.ADMIN)
    response = client.get("/console/")
    assert response.status_code == 200
    assert "Dashboard" in response.get_data(as_text=True)
