import ssl

context = ssl._create_unverified_context(cafile="ca.pem")
