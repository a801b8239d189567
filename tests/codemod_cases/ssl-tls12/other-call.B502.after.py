import ssl

from legacy import open_channel

channel = open_channel("mail.example.org", ssl_version=ssl.PROTOCOL_TLSv1_2)
