from tests.support.dialog import Person


def test_first_contact_offers_three_languages(app):
    ana = Person(app, "ana")
    ana.says("hola")
    ana.expect("Bienvenida a Entrepairs", "Bienvenue sur Entrepairs", "Welcome to Entrepairs")
    ana.says("2")
    ana.expect("Antes de empezar")
