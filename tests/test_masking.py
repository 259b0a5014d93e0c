"""Personal data never leaves the server unmasked."""

import pytest

from dashboard.masking import mask


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("Мой телефон +7 (912) 345-67-89.", "345-67-89"),
        ("звоните 89123456789", "89123456789"),
        ("тел. 8 912 345 67 89", "345 67 89"),
        ("Пишите на user42@mail.ru.", "user42@mail.ru"),
        ("Иванов Сергей Петрович просит помочь", "Иванов"),
        ("С уважением, Смирнова Елена.", "Смирнова"),
        ("Меня зовут Андрей Васильев", "Васильев"),
    ],
)
def test_personal_data_is_masked(text, hidden):
    masked = mask(text)
    assert hidden not in masked
    assert "***" in masked or "[ФИО скрыто]" in masked


def test_ordinary_text_is_kept():
    text = "Нет отопления в доме на улице Ленина, Чебоксары. Прошу разобраться."
    assert mask(text) == text


def test_empty():
    assert mask(None) == ""
